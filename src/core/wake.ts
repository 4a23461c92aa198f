/**
 * The API's only way to reach the brain: "this session has new input". Implementations must
 * return at once (no I/O on the caller's path) and tolerate repeated or spurious wakes.
 */
export type Wake = (sessionId: string) => void;
