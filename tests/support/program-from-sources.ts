/**
 * The program as index.ts runs it, with the stack's sources taken from `programSources` (set by
 * the test before it runs this entry point with runProgram) instead of the repository.
 */
import * as pulumi from "@pulumi/pulumi";
import { tradingStack } from "../../infra/stack";
import { parseStackConfig } from "../../model/config";
import { programSources } from "./program";

export = tradingStack(parseStackConfig(pulumi.runtime.allConfig()), programSources.current);
