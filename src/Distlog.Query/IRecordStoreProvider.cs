namespace Distlog.Query;

/// <summary>Something — a store plugin — that can be read through the query model; the daemon serves its viewer
/// from the first plugin that is one.</summary>
public interface IRecordStoreProvider
{
    /// <summary>The reader of what it writes.</summary>
    IRecordStore Store { get; }
}
