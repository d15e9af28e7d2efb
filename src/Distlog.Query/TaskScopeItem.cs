namespace Distlog.Query;

/// <summary>One line of a scope's <see cref="TaskScope.Timeline"/>: a record, a subtask, or a gap where records
/// never arrived — exactly one is set.</summary>
/// <param name="Record">A record of the scope.</param>
/// <param name="Scope">A subtask.</param>
/// <param name="Gap">Records missing before the next record.</param>
public readonly record struct TaskScopeItem(StoredRecord? Record, TaskScope? Scope, SeqGap? Gap);
