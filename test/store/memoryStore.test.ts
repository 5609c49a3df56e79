import { createMemoryStore } from "../../src/store/memory/memoryStore.js";
import { describeStoreContract } from "./storeContract.js";

describeStoreContract("memory", async () => createMemoryStore());
