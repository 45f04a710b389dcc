/**
 * The public Java API (issue 11): what the command line does, as calls.
 *
 * <ul>
 *   <li>{@link dev.loralimits.api.GradientMethod}: "loss and adapter gradients of an instance",
 *       one interface for the four methods of {@link dev.loralimits.api.Methods} (reference,
 *       exact, fast, auto);
 *   <li>{@link dev.loralimits.api.Answer}: the one result type, decimals plus the fast
 *       certificate and auto's choice when there are any;
 *   <li>{@link dev.loralimits.api.Conversions}: double results and certificates to that type;
 *   <li>{@link dev.loralimits.api.Check}: {@code check} as a call returning a
 *       {@link dev.loralimits.check.GradientCheck.Report}.
 * </ul>
 *
 * <p>Design rules. The package adds no mathematics: every call goes to the entry point that the
 * CLI used before (ReferenceGradient, ExactDouble, AlmostLinear, ReferenceDigits, GradientCheck),
 * and the CLI now goes through this package, so both give the same bytes
 * ({@code MethodsExamples}, {@code CliExamples}). Dependency direction: cli -> api -> (check,
 * fast, reference, io) -> model. Values are immutable; every factory checks its arguments and
 * names the one that breaks its rule.
 */
package dev.loralimits.api;
