/**
 * npm run bench:test: the wall time of `npm test`, run whole as a contributor runs it, several
 * times in a row. Prints each run, the median, and mocha's count of the tests. Run it on an idle
 * machine after `npm ci`; the project aims for a median within 30 s on 2 cores.
 * Usage: npm run bench:test [-- --runs N]
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { runsFlag } from "./cli";
import { median } from "./stats";
import { PROJECT_ROOT } from "../model/project";

function main(): void {
    const runs = runsFlag(process.argv.slice(2), 3);
    const seconds: number[] = [];
    let passing = "";
    for (let i = 0; i < runs; i++) {
        const started = performance.now();
        const run = spawnSync("npm", ["test"], { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        seconds.push((performance.now() - started) / 1000);
        if (run.status !== 0) {
            throw new Error(`npm test exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
        }
        passing = /^\s*(\d+) passing/m.exec(run.stdout)?.[1] ?? "?";
        console.log(`run ${i + 1}: ${seconds[i].toFixed(1)} s`);
    }
    console.log(`node ${process.version}, ${availableParallelism()} cores, ${passing} tests: median ${median(seconds).toFixed(1)} s of ${runs} runs`);
}

main();
