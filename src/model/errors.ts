// Errors as values: a code, where (file:line:col and/or a field path), a message and a hint.

export interface SourcePos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  lineText?: string;
}

export interface TnetError {
  code: string;
  message: string;
  path?: string; // field path in the spec, e.g. containers.nginx-2.ip
  pos?: SourcePos;
  hint?: string;
}

export function tnetError(code: string, message: string, extra: Partial<TnetError> = {}): TnetError {
  return { code, message, ...extra };
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: TnetError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...errors: TnetError[]): Result<T> => ({ ok: false, errors });

/** Thrown only to carry error values up to the CLI edge through async code. */
export class TnetFailure extends Error {
  constructor(readonly errors: TnetError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}
