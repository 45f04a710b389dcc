package dev.loralimits.cli;

import dev.loralimits.reference.Form;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --form} by the tags of {@link Form} ({@code E1}, {@code E2}, {@code E3}, {@code FD}). */
final class FormOption implements ITypeConverter<Form>, Iterable<String> {
  /** The tag of a form, as written on the command line. */
  static Form parse(String tag) {
    String t = tag.strip().toUpperCase(Locale.ROOT);
    for (Form f : Form.values()) {
      if (f.tag().equals(t)) {
        return f;
      }
    }
    throw new TypeConversionException("'" + tag + "' is not a form (expected E1, E2, E3 or FD)");
  }

  @Override
  public Form convert(String value) {
    return parse(value);
  }

  /** Completion candidates: the tags, in the order of {@link Form}. */
  @Override
  public Iterator<String> iterator() {
    return Arrays.stream(Form.values()).map(Form::tag).iterator();
  }
}
