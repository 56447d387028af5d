import fc from "fast-check";

// FC_NUM_RUNS raises the number of property-test runs for a deeper local search
// (e.g. FC_NUM_RUNS=5000 npm test); the default keeps the suite fast.
const runs = Number(process.env.FC_NUM_RUNS ?? "100");
fc.configureGlobal({ numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : 100 });
