// Installs from Debian what the batch programs need to run on this machine and it lacks: for each
// contract.json (batch-container/ and every folder of examples/), each need whose check fails and
// that names Debian packages. Run by CI before the tests, on the system's Node.js, before or
// without `npm ci`; it never fails the build: a program whose needs are still missing has its
// contract check reported as skipped, saying what is missing.
// Usage: node scripts/local/batch-needs.js
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const examples = path.join(root, "examples");
const folders = [
    path.join(root, "batch-container"),
    ...(fs.existsSync(examples) ? fs.readdirSync(examples).map((name) => path.join(examples, name)) : []),
].filter((dir) => fs.existsSync(path.join(dir, "contract.json")));

/** Whether a need's check succeeds, run from the program's folder; `node` is this Node.js. */
const met = (dir, command) => {
    const [bin, ...args] = command[0] === "node" ? [process.execPath, ...command.slice(1)] : command;
    return spawnSync(bin, args, { cwd: dir, stdio: "ignore", timeout: 30000 }).status === 0;
};

const unmet = () =>
    folders.flatMap((dir) =>
        JSON.parse(fs.readFileSync(path.join(dir, "contract.json"), "utf8"))
            .local.needs.filter((need) => !met(dir, need.command))
            .map((need) => ({ dir: path.relative(root, dir), ...need })),
    );

const missing = unmet();
const packages = [...new Set(missing.flatMap((need) => need.debian ?? []))];
if (packages.length > 0) {
    const root_ = typeof process.getuid === "function" && process.getuid() === 0;
    const sudo = root_ ? [] : ["sudo", "-n"];
    const apt = (args) => {
        const [bin, ...rest] = [...sudo, "apt-get", ...args];
        return spawnSync(bin, rest, { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status === 0;
    };
    console.log(`installing ${packages.join(", ")} from Debian, for ${[...new Set(missing.map((need) => need.dir))].join(", ")}`);
    if (!(apt(["update", "-qq"]) && apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]))) {
        console.log(`could not install ${packages.join(", ")}${root_ ? "" : " (apt-get needs root, or sudo without a password)"}`);
    }
}
for (const need of unmet()) {
    console.log(`${need.dir} still lacks ${need.what}: its contract check will be reported as skipped`);
}
