using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Compute;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>
/// Where and with what a model was trained, recorded in the model file (<see cref="RecipeModel.ProvenanceEntry"/>):
/// the library and ML.NET versions, the compute provider (results are bit-identical only with the same one) and the
/// runtime. Informational: nothing here changes how the model scores.
/// </summary>
public sealed class ModelProvenance
{
    /// <summary>The MLNet.Optimizers version (informational version of the assembly).</summary>
    public string Library { get; init; } = string.Empty;

    /// <summary>The Microsoft.ML version the model was trained with.</summary>
    public string MLNet { get; init; } = string.Empty;

    /// <summary>The compute provider's provenance (<see cref="BlasProvider.Provenance"/>: provider, routes by product class, libraries with versions, threads): results are bit-identical only under an equal one.</summary>
    public ComputeProvenance Compute { get; init; } = new(string.Empty, string.Empty, string.Empty, 0);

    /// <summary>The .NET runtime and the processor architecture.</summary>
    public string Runtime { get; init; } = string.Empty;

    /// <summary>The provenance of a training run in this process.</summary>
    /// <param name="blas">The compute provider used; null: <see cref="BlasProviders.Default"/>.</param>
    /// <returns>The provenance.</returns>
    public static ModelProvenance Current(BlasProvider? blas = null) => new()
    {
        Library = InformationalVersion(typeof(Optimizer).Assembly),
        MLNet = InformationalVersion(typeof(MLContext).Assembly),
        Compute = (blas ?? BlasProviders.Default).Provenance,
        Runtime = RuntimeInformation.FrameworkDescription + " " + RuntimeInformation.ProcessArchitecture,
    };

    internal string ToJson() => RecipeJson.Write(new JsonObject
    {
        ["library"] = Library,
        ["mlnet"] = MLNet,
        ["compute"] = new JsonObject
        {
            ["provider"] = Compute.Provider,
            ["routes"] = Compute.Routes,
            ["libraries"] = Compute.Libraries,
            ["threads"] = Compute.Threads,
        },
        ["runtime"] = Runtime,
    });

    internal static ModelProvenance Parse(string json, string file)
    {
        try
        {
            JsonElement e = RecipeJson.ParseDocument(json);
            var r = new RecipeReader(e, "$");
            RecipeReader? c = r.NullableObject("compute");
            var compute = new ComputeProvenance(string.Empty, string.Empty, string.Empty, 0);
            if (c != null)
            {
                compute = new ComputeProvenance(c.String("provider", string.Empty), c.String("routes", string.Empty), c.String("libraries", string.Empty), c.Int("threads", 0, 0, int.MaxValue));
                c.Done();
            }

            var p = new ModelProvenance
            {
                Library = r.String("library", string.Empty),
                MLNet = r.String("mlnet", string.Empty),
                Compute = compute,
                Runtime = r.String("runtime", string.Empty),
            };
            r.Done();
            return p;
        }
        catch (RecipeException e)
        {
            throw new InvalidDataException($"Model file '{file}', entry '{RecipeModel.ProvenanceEntry}': {e.Message}", e);
        }
    }

    private static string InformationalVersion(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "unknown";
}

/// <summary>A model file read by <see cref="RecipeModel.Load"/>.</summary>
public sealed class LoadedRecipeModel
{
    internal LoadedRecipeModel(ITransformer model, IDataLoader<IMultiStreamSource> loader, DataViewSchema inputSchema, Recipe? recipe, ModelProvenance? provenance)
    {
        Model = model;
        Loader = loader;
        InputSchema = inputSchema;
        Recipe = recipe;
        Provenance = provenance;
    }

    /// <summary>The ML.NET pipeline.</summary>
    public ITransformer Model { get; }

    /// <summary>The text loader saved with it: <c>Loader.Load(csvPath)</c> reads a CSV file of the training format.</summary>
    public IDataLoader<IMultiStreamSource> Loader { get; }

    /// <summary>The schema the loader produces (the model's input).</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The recipe the model was trained from, or null when the file has none (a model saved by ML.NET alone).</summary>
    public Recipe? Recipe { get; }

    /// <summary>Where and with what it was trained, or null when the file has no record.</summary>
    public ModelProvenance? Provenance { get; }
}

/// <summary>
/// The model file: ML.NET's own model zip, saved with <c>mlContext.Model.Save(model, loader, ...)</c> so that
/// <c>mlContext.Model.LoadWithDataLoader</c> in a program that references only Microsoft.ML reads the original CSV
/// and scores it, plus two entries ML.NET does not read: the recipe (<see cref="RecipeEntry"/>) and the provenance
/// (<see cref="ProvenanceEntry"/>). Written atomically.
/// </summary>
public static class RecipeModel
{
    /// <summary>The zip entry holding the recipe's canonical JSON.</summary>
    public const string RecipeEntry = "MLNet.Optimizers/recipe.json";

    /// <summary>The zip entry holding the <see cref="ModelProvenance"/> JSON.</summary>
    public const string ProvenanceEntry = "MLNet.Optimizers/provenance.json";

    /// <summary>The time stamp of every entry (a save at another time gives the same bytes).</summary>
    private static readonly DateTimeOffset FixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Saves a model with its text loader (and, when given, its recipe and provenance) to a file, atomically.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="loader">The loader whose output the model takes (<see cref="Recipe.CreateLoader"/>).</param>
    /// <param name="path">The model file (conventionally <c>model.zip</c>).</param>
    /// <param name="recipe">The recipe, or null.</param>
    /// <param name="provenance">The provenance, or null.</param>
    /// <exception cref="RecipeException">The recipe is invalid (the file is not touched).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(MLContext ml, ITransformer model, IDataLoader<IMultiStreamSource> loader, string path, Recipe? recipe = null, ModelProvenance? provenance = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? recipeJson = recipe?.ToJson();
        using var ms = new MemoryStream();
        ml.Model.Save(model, loader, ms);
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Update, leaveOpen: true))
        {
            // ML.NET stamps its entries with the time of the save; a fixed time makes the same model the same bytes.
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                entry.LastWriteTime = FixedTime;
            }

            if (recipeJson != null)
            {
                Add(zip, RecipeEntry, recipeJson + "\n");
            }

            if (provenance != null)
            {
                Add(zip, ProvenanceEntry, provenance.ToJson() + "\n");
            }
        }

        byte[] bytes = ms.ToArray();
        global::MLNet.Optimizers.IO.AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Loads a model file with ML.NET's <c>LoadWithDataLoader</c>, and its recipe and provenance when present.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="path">The model file.</param>
    /// <returns>The model, its loader, recipe and provenance.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a model file with a data loader, or its recipe entry is invalid (the entry and the reason are named).</exception>
    public static LoadedRecipeModel Load(MLContext ml, string path)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file '{path}' was not found.", path);
        }

        byte[] bytes = File.ReadAllBytes(path);
        string? recipeText, provenanceText;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            recipeText = Read(zip, RecipeEntry);
            provenanceText = Read(zip, ProvenanceEntry);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{path}' is not a model (not a zip file): {e.Message}", e);
        }

        ITransformer model;
        IDataLoader<IMultiStreamSource> loader;
        try
        {
            model = ml.Model.LoadWithDataLoader(new MemoryStream(bytes, writable: false), out loader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Model file '{path}' cannot be loaded by ML.NET (a model saved without its data loader, or damaged): {e.Message}", e);
        }

        Recipe? recipe = null;
        if (recipeText != null)
        {
            try
            {
                recipe = Recipe.Parse(recipeText);
            }
            catch (RecipeException e)
            {
                throw new InvalidDataException($"Model file '{path}', entry '{RecipeEntry}': {e.Message}", e);
            }
        }

        ModelProvenance? provenance = provenanceText is null ? null : ModelProvenance.Parse(provenanceText, path);
        return new LoadedRecipeModel(model, loader, loader.GetOutputSchema(), recipe, provenance);
    }

    private static void Add(ZipArchive zip, string name, string text)
    {
        zip.GetEntry(name)?.Delete();
        ZipArchiveEntry e = zip.CreateEntry(name, CompressionLevel.Optimal);
        e.LastWriteTime = FixedTime;
        using Stream s = e.Open();
        s.Write(new UTF8Encoding(false).GetBytes(text));
    }

    private static string? Read(ZipArchive zip, string name)
    {
        ZipArchiveEntry? e = zip.GetEntry(name);
        if (e is null)
        {
            return null;
        }

        if (e.Length > 16 << 20)
        {
            throw new InvalidDataException($"entry '{name}' is {e.Length} bytes; at most 16 MiB are read.");
        }

        using var reader = new StreamReader(e.Open(), new UTF8Encoding(false, throwOnInvalidBytes: true));
        try
        {
            return reader.ReadToEnd();
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidDataException($"entry '{name}' is not UTF-8 text.", ex);
        }
    }
}
