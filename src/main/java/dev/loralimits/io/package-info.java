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
 * path and the rule broken; a command-line tool prints it as is. A refusal for size (a JSON
 * limit of {@link dev.loralimits.io.ReadLimits}, a tensor file cap) is the subclass
 * {@link dev.loralimits.io.LimitExceededException}, which names the limit, so a caller can say how
 * to raise it without matching the message text. Reading is streaming (Jackson's
 * {@code JsonParser}) so that memory stays close to the size of the matrices.
 *
 * <p>Tensor files ({@link dev.loralimits.io.TensorFiles}, spec/FORMATS.md Section 4): NumPy
 * {@code .npz} ({@code Npz}, {@code Npy}) and safetensors ({@code Safetensors}), float64, float32,
 * float16, bfloat16 (decoded from their bits by {@code StoredFloat}), in our layout or
 * PyTorch/PEFT's ({@link dev.loralimits.io.TensorLayout}, {@code PeftNames}, with the projection
 * names of several model families in {@code AttentionNames}), optionally one layer or attention
 * module of several ({@link dev.loralimits.io.TensorSelection}, {@code Layers}) and from two
 * files, an adapter and its base ({@code Renamed.merged}), the base possibly a model's whole
 * checkpoint of which only the attention projections are read ({@code TensorInstanceReader}):
 * a safetensors base (one file, the shards named by an index, {@code ShardIndex}, or several)
 * is read selectively, its headers checked whole and only the tensors taken read at their
 * offsets, the caps counting what is read ({@code SelectiveRead}).
 * Here the one exception to exact decimals in: a tensor holds binary floats, and each becomes the
 * {@code BigDecimal} of its exact value ({@code new BigDecimal(double)}), never rounded again.
 * {@code TensorFiles} is only the public facade: it picks the format (by extension, or by the
 * first bytes for standard input) and hands a JSON file to {@code InstanceJson}/{@code GradientJson}
 * and a tensor file to one package-private class per job: {@code TensorInput} (the bytes of a
 * file or of standard input within the file cap, and the tensors they hold), {@code TensorChecks}
 * (the refusals the readers share: element cap, finiteness, metadata naming another format or
 * layout, names shown in messages), {@code TensorInstanceReader} and {@code TensorGradientReader}
 * (tensors, renamed into our layout as a {@code Renamed}, to an instance or a gradient), and
 * {@code TensorWriter} (instances and gradients to float64 {@code .npz}/{@code .safetensors}).
 *
 * <p>Why our own readers rather than a library. On Maven Central, {@code org.jetbrains.bio:npy}
 * (0.3.5, February 2021, the last release) is Kotlin and would bring the Kotlin standard library
 * into the jar; {@code org.openlca:npy} (0.0.3, 2022) calls itself in need of more tests. Neither
 * reads safetensors, and neither is written to refuse hostile input: both allocate what the header
 * declares. What this project needs is small (little- and big-endian float64/float32/float16, C or
 * Fortran order,
 * rank at most 2) and its value is in the refusals: caps on header, shape, element count, file and
 * inflated size checked before allocation, finiteness, exact data length, one-line messages
 * naming file, tensor and rule (spec/FORMATS.md Section 4.5). About 600 lines do that, checked
 * against files written by numpy itself ({@code src/test/resources/dev/loralimits/io}) and by
 * {@code TensorReaderFuzzProperties}. The zip container is {@code java.util.zip}; the safetensors
 * header is parsed by Jackson with strict duplicate detection.
 */
package dev.loralimits.io;
