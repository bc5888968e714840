using Microsoft.VisualStudio.TestTools.UnitTesting;

// One parser per test case, two at a time (the machine has two cores).
[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.MethodLevel)]
