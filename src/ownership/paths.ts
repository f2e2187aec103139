// Where named namespaces and their per-namespace files live (iproute2's conventions).

export const NETNS_DIR = '/run/netns';
export const ETC_NETNS = '/etc/netns';
export const RUN_DIR = '/run/tnet';
export const INTENT_DIR = `${RUN_DIR}/creating`;

export const netnsPath = (name: string): string => `${NETNS_DIR}/${name}`;
/** An apply waiting for `tnet confirm` (`--confirm`): what to undo if nobody confirms in time. */
export const PENDING_PATH = `${RUN_DIR}/pending-confirm.json`;
