/**
 * The command-line tool {@code lora-limits} (picocli): {@link dev.loralimits.cli.Main} and its
 * subcommands {@code gradient} (an instance file in, the gradient JSON out; spec/FORMATS.md),
 * {@code check} (a candidate gradient compared with the reference; spec/CHECK.md), {@code demo} (a
 * built-in instance computed by every form of the reference, with agreement and timing) and
 * {@code vectors} (regenerates the golden vectors of spec/vectors).
 *
 * <p>Design rules. The tool is a thin shell over the public API {@code dev.loralimits.api} (the
 * four gradient methods, the check) and {@code dev.loralimits.io}: it parses options, calls them,
 * and maps their exceptions to one line of standard error and an exit code. 0 means success; 1
 * that the computation failed or was refused (the precision contract could not be certified, a
 * double overflowed, the fast method is outside its efficient regime, or an internal error); 2
 * that the input or the command line is unusable. An {@link dev.loralimits.io.InputException} is
 * printed as is, since it already names the file, the field path and the rule broken; nothing
 * else reaches the user as a stack trace unless {@code LORA_LIMITS_DEBUG=1}. Results are written only after the whole
 * computation has succeeded, so a failure never leaves a partial result. {@code Main.run} takes
 * the output streams and returns the exit code, so that tests run the tool in-process.
 */
package dev.loralimits.cli;
