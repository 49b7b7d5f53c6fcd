/** asl-validator 4 ships no type declarations; this is the part the tests use. */
declare module 'asl-validator' {
  interface ValidationResult {
    isValid: boolean;
    errors: unknown[];
    errorsText(separator?: string): string;
  }
  /** Validates an Amazon States Language definition. Mutates its argument: pass a clone. */
  function aslValidator(definition: unknown, options?: Record<string, unknown>): ValidationResult;
  export default aslValidator;
}
