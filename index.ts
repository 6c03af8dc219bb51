import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { tradingFunctionCode } from "./infra/functions";
import { tradingStack } from "./infra/stack";
import { parseStackFileConfig, stackFileSettings } from "./model/stack-file";

// The stack file is read as the tools read it: a key outside config:, or a file without it, is
// refused; every key must be read by the program or a provider it loads, and each of this
// project's is validated, all before any resource is registered. Then the functions are bundled,
// in esbuild's own process, so a handler that does not build fails the program with esbuild's
// message before any resource is registered too. The stack's outputs are the properties of
// what tradingStack returns.
const file = `Pulumi.${pulumi.getStack()}.yaml`;
if (fs.existsSync(file)) {
    stackFileSettings(fs.readFileSync(file, "utf8"), file);
}
const config = parseStackFileConfig(pulumi.runtime.allConfig(), file);
export = tradingFunctionCode().then((functionCode) => tradingStack(config, { functionCode }));
