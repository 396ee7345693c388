export interface SystemProgram {
  label: string;
  variable: string;
  fixed: string[];
  command: string;
  aptPackage: string;
}
export declare function isExecutable(file: string): boolean;
export declare function onPath(name: string, env?: NodeJS.ProcessEnv): string | undefined;
export declare const programs: { chromium: SystemProgram; redis: SystemProgram };
export declare function locate(program: SystemProgram, env?: NodeJS.ProcessEnv): { path: string; missing?: undefined } | { path?: undefined; missing: string };
export declare function installCommand(list: SystemProgram[], asRoot?: boolean): string;
export declare function missingMessage(missing: { program: SystemProgram; where: string }[]): string;
export declare function redisServerPath(env?: NodeJS.ProcessEnv): string;
