/** The preflight's checks of this machine: the Pulumi CLI, its login and the stack; Docker, Buildx and the image's platform. */
import pulumiPackage from "@pulumi/pulumi/package.json";
import { ContractError, parseBatchCommand, readBatchContract } from "../../model/batch-contract";
import { execForm, lastInstruction, readBatchDockerfile, type Instruction } from "../../model/dockerfile";
import { BATCH_CONTAINER_DIR } from "../../model/project";
import { DOCKER_PLATFORM, type CpuArchitecture } from "../../model/config";
import { runCommand } from "../cli/cli";
import { fail, notChecked, pass, warn, type CheckResult } from "./check";

/** The Pulumi SDK this program runs on; the CLI must be at least as new. */
export const PULUMI_SDK_VERSION = pulumiPackage.version;

const INSTALL_PULUMI = "install the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh (or brew install pulumi/tap/pulumi), then open a new shell";

const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";

/** Why a program failed, in one line: the first line it wrote, or its exit code. */
const failure = (text: string, code: number) => firstLine(text) || `exit code ${code}`;

/** Whether version `a` (such as v3.276.0) is older than `b`, comparing major, minor and patch. */
export function olderVersion(a: readonly number[], b: readonly number[]): boolean {
    const differs = a.findIndex((part, i) => part !== b[i]);
    return differs >= 0 && a[differs] < b[differs];
}

const versionNumbers = (text: string) => /(\d+)\.(\d+)\.(\d+)/.exec(text)?.slice(1).map(Number);

/** The Pulumi CLI, its backend login, and the stack. */
export async function pulumiChecks(stack: string): Promise<CheckResult[]> {
    const [cli, login] = await pulumiCliChecks();
    if (login.status !== "pass") {
        // Without a CLI, the login was not checked either: the stack waits for the CLI.
        const waitsFor = login.detail.startsWith("not checked") ? "Pulumi CLI" : "Pulumi backend";
        return [cli, login, notChecked("pulumi-stack", "Pulumi stack", waitsFor)];
    }
    return [cli, login, await stackCheck(stack)];
}

/** The Pulumi CLI, at least as new as the SDK, and its login to a backend. */
export async function pulumiCliChecks(): Promise<[CheckResult, CheckResult]> {
    const version = await runCommand("pulumi", ["version"]);
    if (version.missing) {
        return [fail("pulumi-cli", "Pulumi CLI", "pulumi is not on PATH", INSTALL_PULUMI), notChecked("pulumi-login", "Pulumi backend", "Pulumi CLI")];
    }
    const found = versionNumbers(version.stdout);
    const needed = versionNumbers(PULUMI_SDK_VERSION)!;
    const cli =
        version.code !== 0 || found === undefined
            ? fail("pulumi-cli", "Pulumi CLI", `pulumi version failed: ${failure(version.stderr || version.stdout, version.code)}`, INSTALL_PULUMI)
            : olderVersion(found, needed)
              ? fail(
                    "pulumi-cli",
                    "Pulumi CLI",
                    `pulumi ${firstLine(version.stdout)} is older than the SDK this project uses (@pulumi/pulumi ${PULUMI_SDK_VERSION})`,
                    `upgrade to ${PULUMI_SDK_VERSION} or newer: curl -fsSL https://get.pulumi.com | sh (or brew upgrade pulumi)`,
                )
              : pass("pulumi-cli", "Pulumi CLI", `pulumi ${firstLine(version.stdout)}, at least the SDK's ${PULUMI_SDK_VERSION}`);

    const whoami = await runCommand("pulumi", ["whoami", "--non-interactive"]);
    if (whoami.missing || whoami.code !== 0) {
        return [
            cli,
            fail(
                "pulumi-login",
                "Pulumi backend",
                `not logged in to a backend${whoami.missing ? "" : `: ${failure(whoami.stderr, whoami.code)}`}`,
                "pulumi login (Pulumi Cloud, or set PULUMI_ACCESS_TOKEN), or pulumi login s3://BUCKET or --local for a self-managed backend",
            ),
        ];
    }
    return [cli, pass("pulumi-login", "Pulumi backend", `logged in as ${firstLine(whoami.stdout)}`)];
}

/** Whether the backend has the stack. */
async function stackCheck(stack: string): Promise<CheckResult> {
    const ls = await runCommand("pulumi", ["stack", "ls", "--json", "--non-interactive"]);
    let names: string[] | undefined;
    try {
        names = ls.missing || ls.code !== 0 ? undefined : (JSON.parse(ls.stdout) as { name: string }[]).map((s) => s.name);
    } catch {
        names = undefined;
    }
    return names === undefined
        ? warn(
              "pulumi-stack",
              "Pulumi stack",
              `could not list the stacks: ${(!ls.missing && firstLine(ls.stderr)) || "pulumi stack ls printed no JSON"}`,
              "run pulumi stack ls to see why",
          )
        : names.some((name) => name === stack || name.endsWith(`/${stack}`))
          ? pass("pulumi-stack", "Pulumi stack", `${stack} exists`)
          : fail(
                "pulumi-stack",
                "Pulumi stack",
                `no stack ${stack} in this backend`,
                `pulumi stack init ${stack} (it reads its config from Pulumi.${stack}.yaml)`,
            );
}

/** How the preflight asks whether Docker has the Buildx plugin: `docker buildx version`. */
export const BUILDX_VERSION = ["buildx", "version"];

/**
 * The batch program's image as the workflow needs it, by its contract: an exec-form ENTRYPOINT,
 * which the workflow's command override leaves in place, and a default CMD the contract accepts.
 */
export function batchImageCheck(dir = BATCH_CONTAINER_DIR): CheckResult {
    const title = "Batch image";
    const fix = 'docs/architecture.md, "The batch job", says what the contract and the Dockerfile hold';
    let contract;
    let instructions: Instruction[];
    try {
        contract = readBatchContract(dir);
        instructions = readBatchDockerfile(dir);
    } catch (error) {
        if (error instanceof ContractError || (error as NodeJS.ErrnoException).code === "ENOENT") {
            return fail("batch-image", title, (error as Error).message, fix);
        }
        throw error;
    }
    const entrypoint = execForm(lastInstruction(instructions, "ENTRYPOINT"));
    if (entrypoint === undefined || entrypoint.length === 0) {
        return fail(
            "batch-image",
            title,
            "its Dockerfile has no exec-form ENTRYPOINT, so the workflow's command would replace the program itself",
            `ENTRYPOINT ${JSON.stringify(contract.local.command)}, or the image's own command`,
        );
    }
    const cmd = execForm(lastInstruction(instructions, "CMD"));
    const accepted = cmd === undefined ? undefined : parseBatchCommand(contract, cmd);
    if (accepted !== undefined && !accepted.ok) {
        return fail(
            "batch-image",
            title,
            `its default CMD ${JSON.stringify(cmd)} is refused by its contract: ${accepted.problem}`,
            `CMD ${JSON.stringify(contract.arguments.example)}, the contract's example`,
        );
    }
    return pass("batch-image", title, `an exec-form ENTRYPOINT${cmd === undefined ? "" : ", and a default CMD its contract accepts"}`);
}

/** Docker's name for a machine architecture, as `docker version` reports the engine's. */
const ENGINE_ARCH: Record<string, string> = { amd64: "amd64", x86_64: "amd64", arm64: "arm64", aarch64: "arm64" };

/**
 * Whether building the image for another platform runs any command of that platform: a RUN in a
 * stage that does not start `FROM --platform=$BUILDPLATFORM` runs under emulation.
 */
export function runsForeignCommands(instructions: readonly Instruction[]): boolean {
    let native = false;
    for (const { keyword, args } of instructions) {
        if (keyword === "FROM") {
            native = /--platform=\$\{?BUILDPLATFORM\}?(\s|$)/.test(args);
        } else if (keyword === "RUN" && !native) {
            return true;
        }
    }
    return false;
}

/** Docker, Buildx, and whether this machine can build the image (its Dockerfile's instructions) for the stack's architecture. */
export async function dockerChecks(architecture: CpuArchitecture, dockerfile: readonly Instruction[] = readBatchDockerfile()): Promise<CheckResult[]> {
    const platform = DOCKER_PLATFORM[architecture];
    const version = await runCommand("docker", ["version", "--format", "{{json .Server}}"]);
    if (version.missing || version.code !== 0) {
        return [
            version.missing
                ? fail(
                      "docker",
                      "Docker",
                      "docker is not on PATH",
                      "install Docker: Docker Desktop, or Docker Engine (https://docs.docker.com/engine/install/)",
                  )
                : fail(
                      "docker",
                      "Docker",
                      `Docker does not answer: ${failure(version.stderr, version.code)}`,
                      "start Docker, and check that this user may use it (docker info)",
                  ),
            notChecked("buildx", "Docker Buildx", "Docker"),
            notChecked("platform", `Build for ${platform}`, "Docker"),
        ];
    }
    let server: { Version?: string; Os?: string; Arch?: string };
    try {
        server = (JSON.parse(version.stdout) as typeof server | null) ?? {};
    } catch {
        server = {};
    }
    const engine = `${server.Os ?? "linux"}/${ENGINE_ARCH[server.Arch ?? ""] ?? server.Arch ?? "unknown"}`;
    const docker = pass("docker", "Docker", `Docker Engine ${server.Version ?? "(version unknown)"} on ${engine}`);

    const buildxVersion = await runCommand("docker", BUILDX_VERSION);
    if (buildxVersion.missing || buildxVersion.code !== 0) {
        return [
            docker,
            fail(
                "buildx",
                "Docker Buildx",
                "the Buildx plugin is missing",
                "install it (Docker Desktop has it; on Linux, the docker-buildx-plugin package): https://docs.docker.com/build/install-buildx/",
            ),
            notChecked("platform", `Build for ${platform}`, "Docker Buildx"),
        ];
    }
    const buildx = pass("buildx", "Docker Buildx", firstLine(buildxVersion.stdout));
    if (engine === platform) {
        return [docker, buildx, pass("platform", `Build for ${platform}`, `natively: Docker runs on ${engine}`)];
    }
    if (!runsForeignCommands(dockerfile)) {
        return [
            docker,
            buildx,
            pass(
                "platform",
                `Build for ${platform}`,
                `without emulation: Docker runs on ${engine}, and every RUN of the Dockerfile runs in a $BUILDPLATFORM stage`,
            ),
        ];
    }
    const inspect = await runCommand("docker", ["buildx", "inspect"]);
    const platforms = inspect.missing ? [] : (/^Platforms:\s*(.*)$/m.exec(inspect.stdout)?.[1] ?? "").split(",").map((p) => p.trim().replace(/\*$/, ""));
    const arch = platform.split("/")[1];
    return [
        docker,
        buildx,
        platforms.includes(platform)
            ? pass("platform", `Build for ${platform}`, `with emulation: Docker runs on ${engine}, and the builder offers ${platform}`)
            : fail(
                  "platform",
                  `Build for ${platform}`,
                  `Docker runs on ${engine}, the Dockerfile runs commands in a ${platform} stage, and the builder cannot run them (it offers ${platforms.filter(Boolean).join(", ") || "nothing it names"}); the build would stop with exec format error`,
                  `register emulation: docker run --privileged --rm tonistiigi/binfmt --install ${arch}; or move the RUN steps to a FROM --platform=$BUILDPLATFORM stage; or set stock-trader:batchArchitecture to the machine's`,
              ),
    ];
}
