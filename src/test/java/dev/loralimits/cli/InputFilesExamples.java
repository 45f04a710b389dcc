package dev.loralimits.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loralimits.io.InputException;
import dev.loralimits.io.LimitExceededException;
import org.junit.jupiter.api.Test;

/** {@link InputFiles#withLimitHint}: the option is named by the refusal's type, not its text. */
class InputFilesExamples {
  private static final String ENTRIES = "too large: the document has more than 3 matrix entries (FORMATS 1.7)";
  private static final String BYTES = "too large: 800 bytes, limit 100 (FORMATS 1.7)";

  @Test
  void eachJsonLimitNamesItsOption() {
    InputException entries = InputFiles.withLimitHint(
        new LimitExceededException("inst.json", "weights.Q.W", ENTRIES, LimitExceededException.Limit.JSON_ENTRIES));
    assertThat(entries).hasMessage("inst.json: weights.Q.W: " + ENTRIES + "; raise with --max-json-entries");
    InputException bytes = InputFiles.withLimitHint(
        new LimitExceededException("inst.json", InputException.FILE, BYTES, LimitExceededException.Limit.JSON_BYTES));
    assertThat(bytes).hasMessage("inst.json: (file): " + BYTES + "; raise with --max-json-bytes");
  }

  @Test
  void fixedLimitsAndOtherProblemsAreUnchanged() {
    InputException tensor = new LimitExceededException(
        "a.npz", "W_Q", "too large: the file would hold more than 67108864 elements (limit 2^26)",
        LimitExceededException.Limit.TENSOR_ELEMENTS);
    assertThat(InputFiles.withLimitHint(tensor)).isSameAs(tensor);
    // the text of a limit refusal without its type: not hinted (the type decides, not the words)
    InputException lookalike = new InputException("inst.json", "weights.Q.W", ENTRIES);
    assertThat(InputFiles.withLimitHint(lookalike)).isSameAs(lookalike);
  }
}
