// Where named namespaces and their per-namespace files live (iproute2's conventions).

export const NETNS_DIR = '/run/netns';
export const ETC_NETNS = '/etc/netns';
export const RUN_DIR = '/run/tnet';
export const INTENT_DIR = `${RUN_DIR}/creating`;
/** Specs that passed every check, kept by the digest of their text (spec/checked-store.ts). */
export const CHECKED_DIR = `${RUN_DIR}/checked`;

export const netnsPath = (name: string): string => `${NETNS_DIR}/${name}`;
/** An apply waiting for `tnet confirm` (`--confirm`): what to undo if nobody confirms in time. */
export const PENDING_PATH = `${RUN_DIR}/pending-confirm.json`;

/** tnet's DNS server: one per host, its records (one file per spec), control socket, pid and log. */
export const DNS_DIR = `${RUN_DIR}/dns`;
export const DNS_SPECS_DIR = `${DNS_DIR}/specs`;
export const DNS_CONTROL = `${DNS_DIR}/control.sock`;
export const DNS_PID = `${DNS_DIR}/server.pid`;
export const DNS_LOG = `${DNS_DIR}/server.log`;
export const dnsRecordsPath = (spec: string): string => `${DNS_SPECS_DIR}/${spec}.json`;
