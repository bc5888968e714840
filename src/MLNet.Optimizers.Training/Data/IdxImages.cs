namespace MLNet.Optimizers.Training.Data;

/// <summary>Images read from an IDX file: <see cref="Count"/> × <see cref="Rows"/> × <see cref="Columns"/> pixels scaled to [0, 1].</summary>
public sealed class IdxImages
{
    internal IdxImages(int count, int rows, int columns, float[] pixels)
    {
        Count = count;
        Rows = rows;
        Columns = columns;
        Pixels = pixels;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Pixel rows per image.</summary>
    public int Rows { get; }

    /// <summary>Pixel columns per image.</summary>
    public int Columns { get; }

    /// <summary>Pixels per image (<see cref="Rows"/> × <see cref="Columns"/>).</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>All pixels, image after image, row-major within an image, each byte divided by 255.</summary>
    public float[] Pixels { get; }
}
