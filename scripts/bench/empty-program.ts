// The baseline of npm run bench:program: a program that only loads the SDKs the real one uses.
import "@pulumi/aws";
import "@pulumi/awsx";
import "@pulumi/pulumi";
