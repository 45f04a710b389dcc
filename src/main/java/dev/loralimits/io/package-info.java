/**
 * Input and output files: the instance format {@code lora-attention-instance/1}
 * ({@link dev.loralimits.io.InstanceJson}) and the gradient format
 * {@code lora-attention-gradient/1} ({@link dev.loralimits.io.GradientJson}).
 *
 * <p>Design rules. Numbers are exact decimals end to end: the readers build every
 * {@link java.math.BigDecimal} from the text of the JSON token (or of a JSON string holding a
 * decimal), and the writers emit the text of a {@code BigDecimal} ({@code toString} for
 * instances, {@link dev.loralimits.io.DecimalFormatting#significant} for gradients), so no value
 * passes through a {@code double}. Every input problem becomes an
 * {@link dev.loralimits.io.InputException} whose one-line message names the source, the field
 * path and the rule broken; a command-line tool prints it as is. Reading is streaming (Jackson's
 * {@code JsonParser}) so that memory stays close to the size of the matrices.
 */
package dev.loralimits.io;
