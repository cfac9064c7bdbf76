// The machine line of the report. A VM's CPU often calls itself only "AMD EPYC", and two such VMs can differ 2× in
// speed, so the line adds what Linux says of the core (family and model: 25/1 is Zen 3) and of its L2.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** e.g. "AMD EPYC (cpu family 25, model 1; L2 512 KiB a core), 2 cores, Node v20.20.2, 2026-12-02". */
export function describeMachine(): string {
  return `${os.cpus()[0]?.model ?? 'unknown CPU'}${coreDetails()}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

function coreDetails(): string {
  const field = (text: string, name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return ''; // not Linux
  }
  const family = field(cpuinfo, 'cpu family'), model = field(cpuinfo, 'model');
  const l2 = readL2();
  const parts = [family && model ? `cpu family ${family}, model ${model}` : undefined, l2 ? `L2 ${l2} a core` : undefined].filter(Boolean);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** The size of cpu0's unified level-2 cache as sysfs writes it ("512K" becomes "512 KiB"), if it says. */
function readL2(): string | undefined {
  for (let index = 0; index < 8; index++) {
    const dir = `/sys/devices/system/cpu/cpu0/cache/index${index}`;
    try {
      if (readFileSync(`${dir}/level`, 'utf8').trim() !== '2') continue;
      const size = readFileSync(`${dir}/size`, 'utf8').trim();
      return size.replace(/^(\d+)K$/, '$1 KiB').replace(/^(\d+)M$/, '$1 MiB');
    } catch {
      return undefined;
    }
  }
  return undefined;
}
