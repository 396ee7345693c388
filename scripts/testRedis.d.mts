/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export declare function freePort(): Promise<number>;
/** Sends one command on a connection of its own and answers the reply; an error reply rejects. */
export declare function redisCommand(url: string, ...args: string[]): Promise<string | number | null>;
export interface TestRedis {
  url: string;
  port: number;
  /** The redis-server process id (it changes on `restart`). */
  readonly pid: number | undefined;
  /** Stops it gracefully (SIGTERM: the AOF is flushed) and starts it again on the same files. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}
/** Starts a redis-server of the caller's own: 127.0.0.1, a free port, AOF on, in a temp folder. */
export declare function startRedis(): Promise<TestRedis>;
