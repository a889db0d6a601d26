#!/usr/bin/env node
// Entry shim: rlt is written in TypeScript and runs through tsx's loader, so a clone needs no build step.
import { register } from "tsx/esm/api";
register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv);
