/**
 * CPU time, user and system, for the benchmarks: this process's own, and that of the child
 * processes it has waited for, as Linux counts it in /proc/self/stat (each child's count holds
 * those of its own children it waited for). Where there is no /proc, the children's CPU cannot be
 * read, and `childCpuSeconds` says so with undefined.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";

const STAT = "/proc/self/stat";

/**
 * The clock ticks, user and system, of the waited-for children that a /proc/PID/stat line counts:
 * its 16th and 17th fields, cutime and cstime (proc_pid_stat(5)). The 2nd field, the command's
 * name in parentheses, may itself hold spaces and parentheses, so the fields are read after its
 * last ")"; the first of them is the 3rd field.
 */
export function childTicks(stat: string): number {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const [cutime, cstime] = [fields[13], fields[14]].map(Number);
    if (!stat.includes(")") || !Number.isInteger(cutime) || !Number.isInteger(cstime)) {
        throw new Error(`not a line of /proc/PID/stat, whose 16th and 17th fields are whole numbers: ${JSON.stringify(stat)}`);
    }
    return cutime + cstime;
}

let ticksPerSecond: number | undefined;

/** The CPU seconds of the child processes this process has waited for so far, or undefined on a system without /proc. */
export function childCpuSeconds(): number | undefined {
    if (!fs.existsSync(STAT)) {
        return undefined;
    }
    // /proc counts in USER_HZ, which getconf gives as CLK_TCK.
    ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
    return childTicks(fs.readFileSync(STAT, "utf8")) / ticksPerSecond;
}

/** This process's own CPU seconds so far, user and system. */
export function ownCpuSeconds(): number {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
}
