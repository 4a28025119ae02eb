import { readdirSync, readFileSync } from 'fs';

/** CPU time from /proc (Linux; clock ticks of 10 ms): undefined wherever it isn't readable. */

/** CPU time of the whole machine (all cores; idle, iowait and steal excluded), in ms. */
export function machineCpuMs(): number | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq] = ticks.map(Number);
    return (user + nice + system + irq + softirq) * 10;
  } catch {
    return undefined;
  }
}

/** Time the hypervisor gave this VM's CPUs to others, all cores, in ms. */
export function stealMs(): number | undefined {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    return Number(ticks[8]) * 10;
  } catch {
    return undefined;
  }
}

interface ProcessStat {
  pid: number;
  name: string;
  ppid: number;
  /** utime + stime, and cutime + cstime (of its children that ended and were waited for), in ms. */
  ownMs: number;
  endedChildrenMs: number;
}

function processStat(pid: number): ProcessStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (at: number) => Number(fields[at]) * 10;
    return {
      pid,
      name,
      ppid: Number(fields[1]),
      ownMs: ms(11) + ms(12),
      endedChildrenMs: ms(13) + ms(14),
    };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in ms. */
export function processCpuMs(pid: number): number | undefined {
  return processStat(pid)?.ownMs;
}

/**
 * CPU ms of every process named `name` (a server forking one process per connection): the live
 * ones, plus, for each that isn't a child of another (the server's parent process), its children
 * that already ended, so that connections closing between two readings keep their CPU time.
 */
export function namedProcessesCpuMs(name: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const processes = entries
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => processStat(Number(entry)))
    .filter((stat): stat is ProcessStat => stat?.name === name);
  if (processes.length === 0) return undefined;
  const pids = new Set(processes.map((stat) => stat.pid));
  return processes.reduce(
    (sum, stat) => sum + stat.ownMs + (pids.has(stat.ppid) ? 0 : stat.endedChildrenMs),
    0,
  );
}
