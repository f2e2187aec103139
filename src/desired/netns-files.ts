// Contents of a container's /etc/netns/<name>/hosts and resolv.conf, written the way Docker writes them.

export interface HostsInput {
  mark: string;
  ip: string | null; // null: no address of its own (none mode)
  /** Its IPv6 address beside `ip`, on a dual-stack network; null: none. */
  ip6: string | null;
  hostname: string;
  /** `extraHosts` and, on networks without DNS, the others' aliases: IPv4 only, as Docker's service records in hosts files. */
  extraHosts: { name: string; ip: string }[];
  /** `ip6`: the target's IPv6 address on the same network as `ip`, when it has one. */
  links: { ip: string; ip6: string | null; alias: string; name: string; hostname: string }[];
}

const DEFAULT_HOSTS = [
  ['127.0.0.1', 'localhost'],
  ['::1', 'localhost ip6-localhost ip6-loopback'],
  ['fe00::0', 'ip6-localnet'],
  ['ff00::0', 'ip6-mcastprefix'],
  ['ff02::1', 'ip6-allnodes'],
  ['ff02::2', 'ip6-allrouters'],
];

export function hostsFile(h: HostsInput): string {
  const rows: string[][] = [...DEFAULT_HOSTS];
  for (const e of h.extraHosts) rows.push([e.ip, e.name]);
  // Docker writes a link's names once per address of the target, IPv4 first, and the container's own likewise.
  for (const l of h.links) {
    const names = unique([l.alias, l.hostname, l.name]).join(' ');
    rows.push([l.ip, names]);
    if (l.ip6) rows.push([l.ip6, names]);
  }
  // The container's own name resolves without DNS: a lookup of it would otherwise wait on a resolver.
  rows.push([h.ip ?? '127.0.1.1', ownNames(h.hostname)]);
  if (h.ip6) rows.push([h.ip6, ownNames(h.hostname)]);
  return `# ${h.mark}\n${rows.map((r) => r.join('\t')).join('\n')}\n`;
}

function ownNames(hostname: string): string {
  const short = hostname.split('.')[0];
  return short === hostname ? hostname : `${hostname} ${short}`;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

export interface ResolvInput {
  /** tnet's DNS server for the container (its network's gateway); null: the upstreams themselves. */
  server: string | null;
  dns: string[];
  search: string[];
  options: string[];
  /** The host's /etc/resolv.conf (parseResolv), used for what the spec leaves out, as Docker does. */
  host: HostResolv;
}

// Docker's fallback when the host has no usable resolver for a container.
const FALLBACK_DNS = ['8.8.8.8', '8.8.4.4'];

/** Where a container's queries go in the end: its `dns:`, else the host's resolvers, else Docker's fallback. */
export function upstreamsFor(dns: string[], host: HostResolv): string[] {
  // A loopback resolver on the host is unreachable from a container's own namespace.
  const hostDns = host.nameservers.filter((ns) => !ns.startsWith('127.') && ns !== '::1');
  return dns.length ? dns : hostDns.length ? hostDns : FALLBACK_DNS;
}

/**
 * With tnet's server, its address alone (the upstreams are the server's business) and `ndots:0` unless an
 * ndots is given, as Docker writes it for its embedded DNS: a short name goes to the server as it is first.
 */
export function resolvConf(r: ResolvInput): string {
  const host = r.host;
  const dns = r.server ? [r.server] : upstreamsFor(r.dns, host);
  const search = r.search.length ? r.search : host.search;
  const given = r.options.length ? r.options : host.options;
  const options = r.server && !given.some((o) => o.startsWith('ndots:')) ? [...given, 'ndots:0'] : given;
  const lines = dns.map((d) => `nameserver ${d}`);
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export interface HostResolv {
  nameservers: string[];
  search: string[];
  options: string[];
}

/** Every container reads the same host file: parsed once per desired state, not once per container. */
export function parseResolv(text: string): HostResolv {
  const out: HostResolv = { nameservers: [], search: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...vals] = line.trim().split(/\s+/);
    if (key === 'nameserver' && vals[0]) out.nameservers.push(vals[0]);
    else if (key === 'search' || key === 'domain') out.search = vals;
    else if (key === 'options') out.options.push(...vals);
  }
  return out;
}
