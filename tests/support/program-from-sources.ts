/**
 * The program as index.ts runs it, with the stack's sources taken from `programSources` (set by
 * the test before it runs this entry point with runProgram) instead of the repository.
 */
import * as pulumi from "@pulumi/pulumi";
import { tradingStack } from "../../infra/stack";
import { parseStackFileConfig } from "../../model/stack-file";
import { programSources } from "./program";

export = tradingStack(parseStackFileConfig(pulumi.runtime.allConfig(), `Pulumi.${pulumi.getStack()}.yaml`), programSources.current);
