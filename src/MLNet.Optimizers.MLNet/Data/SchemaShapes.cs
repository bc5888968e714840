using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet;

/// <summary>A <see cref="SchemaShape"/> for any <see cref="DataViewSchema"/> through public ML.NET API only.</summary>
internal static class SchemaShapes
{
    /// <summary>The shape of <paramref name="schema"/>: an empty estimator chain appended to a loader that only has that schema.</summary>
    internal static SchemaShape Of(DataViewSchema schema) => new SchemaOnlyLoader(schema).Append(new EstimatorChain<ITransformer>()).GetOutputSchema();

    private sealed class SchemaOnlyLoader : IDataLoader<int>
    {
        private readonly DataViewSchema _schema;

        public SchemaOnlyLoader(DataViewSchema schema) => _schema = schema;

        public DataViewSchema GetOutputSchema() => _schema;

        public IDataView Load(int input) => throw new NotSupportedException("A schema-only loader has no data.");

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException("A schema-only loader is not saved.");
    }
}
