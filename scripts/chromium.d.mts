export declare const chromiumExecutablePath: string | undefined;
export declare const chromiumArgs: string[];
export declare function chromiumLaunchOptions(extraArgs?: string[]): { executablePath?: string; args: string[] };
