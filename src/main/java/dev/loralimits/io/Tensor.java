package dev.loralimits.io;

import java.util.Arrays;

/**
 * One named array of a tensor file, as read: its shape (rank 0, 1 or 2) and its values as
 * doubles in C (row-major) order. A float32, float16 or bfloat16 value is widened to double,
 * which is exact ({@link StoredFloat}).
 *
 * <p>Arrays are shared, not copied: the readers and writers of this package own them.
 *
 * @param name the name of the tensor in its file ({@code W_Q}, {@code X.0}, ...)
 * @param shape the dimensions, at most {@link TensorLimits#MAX_RANK} of them, each {@code >= 1}
 * @param values {@code prod(shape)} values in C order
 */
record Tensor(String name, int[] shape, double[] values) {

  /** A rank-2 tensor holding {@code m} row by row. */
  static Tensor matrix(String name, double[][] m) {
    int rows = m.length;
    int cols = m[0].length;
    double[] v = new double[rows * cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(m[i], 0, v, i * cols, cols);
    }
    return new Tensor(name, new int[] {rows, cols}, v);
  }

  /** A rank-0 tensor (a scalar). */
  static Tensor scalar(String name, double x) {
    return new Tensor(name, new int[0], new double[] {x});
  }

  int rank() {
    return shape.length;
  }


  /** The transpose of a rank-2 tensor, named {@code newName}. */
  Tensor transposed(String newName) {
    int rows = shape[0];
    int cols = shape[1];
    double[] t = new double[values.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = values[i * cols + j];
      }
    }
    return new Tensor(newName, new int[] {cols, rows}, t);
  }

  /** The shape as numpy prints it: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
  String shapeText() {
    return shapeText(shape);
  }

  static String shapeText(int[] shape) {
    if (shape.length == 1) {
      return "(" + shape[0] + ",)";
    }
    StringBuilder s = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      s.append(i > 0 ? ", " : "").append(shape[i]);
    }
    return s.append(')').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && t.name.equals(name)
        && Arrays.equals(t.shape, shape)
        && Arrays.equals(t.values, values);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + shapeText() + Arrays.toString(values);
  }
}
