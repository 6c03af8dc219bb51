declare module "dynalite" {
    import type { Server } from "node:http";

    interface DynaliteOptions {
        /** Milliseconds a table stays CREATING. */
        createTableMs?: number;
        deleteTableMs?: number;
        updateTableMs?: number;
        /** LevelDB directory; in memory when omitted. */
        path?: string;
    }

    function dynalite(options?: DynaliteOptions): Server;
    export = dynalite;
}
