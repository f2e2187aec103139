// The error table and the exits it gives: every code has a stage and an exit, and mixed errors exit as documented.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS, EXIT, exitCodeOf, internalError, oneLine, stageOf, tnetError, type ErrorCode } from '../../src/model/errors.js';
import { renderCrash, renderError } from '../../src/render/errors.js';

const t = suite('errors');
const errs = (...codes: ErrorCode[]) => codes.map((c) => tnetError(c, `a ${c} error`));
const STAGES = ['spec', 'observe', 'desire', 'host-check', 'actuate', 'lock', 'query', 'internal'];

t('every code has a stage and an exit a failure can have', () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  assert.ok(codes.length >= 20);
  for (const code of codes) {
    assert.ok(STAGES.includes(ERRORS[code].stage), code);
    assert.ok(([EXIT.failed, EXIT.invalid, EXIT.locked, EXIT.internal] as number[]).includes(ERRORS[code].exit), code);
    assert.is(stageOf(tnetError(code, '')), ERRORS[code].stage);
  }
});

t('codes are lowercase words, as error[code] prints them', () => {
  for (const code of Object.keys(ERRORS)) assert.match(code, /^[a-z]+(-[a-z]+)*$/, code);
});

t('each code alone: the exits the README documents', () => {
  const spec: ErrorCode[] = ['yaml', 'schema', 'duplicate', 'name', 'invalid', 'port', 'install'];
  const inTheWay: ErrorCode[] = ['conflict', 'external-missing', 'subnet-overlap', 'netns-path', 'uplink-missing', 'host-limit', 'pool-exhausted', 'port-exhausted'];
  for (const code of [...spec, ...inTheWay]) assert.is(exitCodeOf(errs(code)), EXIT.invalid, code);
  for (const code of ['spec-io', 'observe', 'kernel', 'io', 'firewall', 'lock-io', 'no-such-object', 'no-public-port'] as ErrorCode[]) assert.is(exitCodeOf(errs(code)), EXIT.failed, code);
  assert.is(exitCodeOf(errs('locked')), EXIT.locked);
  assert.is(exitCodeOf(errs('internal')), EXIT.internal);
});

t('mixed errors: a bug over a held lock over a failure on the host over an invalid spec', () => {
  assert.is(exitCodeOf(errs('schema', 'spec-io', 'yaml')), EXIT.failed, 'an unreadable file of a folder: 1, as before');
  assert.is(exitCodeOf(errs('conflict', 'kernel')), EXIT.failed);
  assert.is(exitCodeOf(errs('lock-io', 'locked')), EXIT.locked);
  assert.is(exitCodeOf(errs('locked', 'internal', 'schema')), EXIT.internal);
  assert.is(exitCodeOf([]), EXIT.internal, 'a failure that names no error is a bug');
});

t('the stages that tell "nothing was changed" from "apply stopped"', () => {
  for (const code of ['kernel', 'io', 'firewall'] as ErrorCode[]) assert.is(stageOf(tnetError(code, '')), 'actuate');
  assert.is(stageOf(tnetError('observe', '')), 'observe');
  assert.is(stageOf(tnetError('conflict', '')), 'host-check');
});

t('an internal error is one line; its stack only when asked for', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'name')\nmore");
  assert.is(oneLine(bug), "Cannot read properties of undefined (reading 'name')");
  assert.is(oneLine('thrown text'), 'thrown text');
  assert.is(oneLine(new Error('')), 'Error');
  const plain = internalError(bug);
  assert.is(plain.code, 'internal');
  assert.is(plain.trace, undefined);
  assert.is(renderError(plain).split('\n').length, 2, 'the message and the hint');
  assert.is(internalError(bug, true).trace, bug.stack);
  assert.match(renderError(internalError(bug, true)), /^ {2}at /m);
});

t('a crash at the edge: one line, how to report it with the command, the stack only under TNET_DEBUG', () => {
  const bug = new Error('boom');
  const quiet = renderCrash(bug, 'tnet apply -f net.yaml', false).split('\n');
  assert.is(quiet[0], 'tnet: internal error: boom');
  assert.match(quiet[1], /please report it with the command that failed: tnet apply -f net\.yaml \(TNET_DEBUG=1 adds the stack trace\)$/);
  assert.is(quiet.length, 2);
  const loud = renderCrash(bug, 'tnet apply -f net.yaml', true);
  assert.ok(loud.includes(bug.stack!));
});

t.run();
