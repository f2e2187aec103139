// Observes the firewall through a backend: filter and nat via iptables-save, plus the switches the rules need.

import { readFile } from 'node:fs/promises';
import type { FirewallObserved, FwTableName } from '../model/firewall.js';
import type { FirewallBackend } from '../firewall/backend.js';
import { parseIptablesSave } from './iptables-save.js';

export interface FirewallProbe {
  /** Sysctl keys to read (`net.bridge.bridge-nf-call-iptables` …); unreadable ones are left out. */
  sysctls?: string[];
  /** Bridge ports whose hairpin mode to read from sysfs. */
  ports?: string[];
}

const TABLES: FwTableName[] = ['filter', 'nat'];

export async function observeFirewall(backend: FirewallBackend, probe: FirewallProbe = {}): Promise<FirewallObserved> {
  const [texts, sysctls, hairpinPorts] = await Promise.all([
    Promise.all(TABLES.map((t) => backend.save(t))),
    readSysctls(probe.sysctls ?? []),
    readHairpin(probe.ports ?? []),
  ]);
  return { backend: backend.name, tables: texts.flatMap(parseIptablesSave), sysctls, hairpinPorts };
}

const readText = (path: string): Promise<string | null> => readFile(path, 'utf8').then((s) => s.trim(), () => null);

async function readSysctls(keys: string[]): Promise<Record<string, string>> {
  const values = await Promise.all(keys.map((k) => readText(`/proc/sys/${k.replace(/\./g, '/')}`)));
  return Object.fromEntries(keys.flatMap((k, i) => (values[i] === null ? [] : [[k, values[i]]])));
}

async function readHairpin(ports: string[]): Promise<string[]> {
  const values = await Promise.all(ports.map((p) => readText(`/sys/class/net/${p}/brport/hairpin_mode`)));
  return ports.filter((_, i) => values[i] === '1');
}
