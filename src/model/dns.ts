// The names tnet's DNS server answers for one spec: what a reconcile desires, writes and the server reads.

/**
 * One spec's records, as written to `/run/tnet/dns/specs/<spec>.json`. The server reads every spec's file
 * and answers for all of them; bridge and container names are unique on a host, so they merge.
 */
export interface DnsRecords {
  spec: string;
  /** The networks with DNS (every bridge and overlay but docker0 and uplinked bridges) and where it listens. */
  networks: DnsNetwork[];
  containers: DnsContainer[];
}

export interface DnsNetwork {
  /** The bridge's name on this host (an overlay's is the overlay's name). */
  name: string;
  /** The bridge's gateway address: the server listens there on port 53, UDP and TCP. */
  address: string;
}

export interface DnsContainer {
  /** The container's name: another container sharing a network resolves it; its PTR is `<name>.<network>`. */
  name: string;
  /** Its addresses and names on each network with DNS: its name, hostname and aliases on that network. */
  endpoints: DnsEndpoint[];
  /** `--link` aliases: resolved for this container only, to the target's address on a network they share. */
  links: { alias: string; target: string }[];
  /** Where its other queries go, in order; empty: answered SERVFAIL (a container only on internal networks). */
  upstreams: string[];
}

export interface DnsEndpoint {
  network: string;
  ip: string;
  /** Its IPv6 address there, as the kernel prints it (RFC 5952), on a dual-stack network; absent on the others. */
  ip6?: string;
  names: string[];
}

/** What a reconcile desires of the server for one spec; null when the spec has no network with DNS. */
export interface DesiredDns {
  /** The records file's exact text (the plan compares it with the file on the host). */
  records: string;
  /** The records' path. */
  path: string;
}

/** One server for every spec on the host: needed while this spec or any other has records. */
export function dnsServerNeeded(desired: DesiredDns | null, observed: ObservedDns): boolean {
  return desired !== null || observed.others.length > 0;
}

/** What the host has: this spec's records file, whether any other spec has one, whether the server answers. */
export interface ObservedDns {
  /** The spec whose records these are ('' when not read). */
  spec: string;
  records: string | null;
  /** Other specs' record files on the host: the server must keep running for them. */
  others: string[];
  /** The server answers on its control socket. */
  running: boolean;
}
