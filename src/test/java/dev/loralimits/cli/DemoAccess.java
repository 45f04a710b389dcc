package dev.loralimits.cli;

import dev.loralimits.model.LoraInstance;
import java.io.IOException;

/** The demo's built-in instance for tests outside this package. */
public final class DemoAccess {
  private DemoAccess() {}

  /** {@link DemoCommand#builtIn()}. */
  public static LoraInstance builtIn() throws IOException {
    return DemoCommand.builtIn();
  }
}
