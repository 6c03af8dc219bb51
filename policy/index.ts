import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

// Constructing the pack starts the policy server Pulumi talks to, which is why the policies
// live in a module of their own that tests import.
new PolicyPack("stock-trader", { policies });
