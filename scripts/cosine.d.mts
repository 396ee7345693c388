export declare function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number;
