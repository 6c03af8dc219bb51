import * as pulumi from "@pulumi/pulumi";
import { tradingStack } from "./infra/stack";
import { parseStackConfig } from "./model/config";

// Every key is validated before any resource is registered; the stack's outputs are the
// properties of what tradingStack returns.
export = tradingStack(parseStackConfig(pulumi.runtime.allConfig()));
