using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;

namespace Vireo.Architecture.Tests;

/// <summary>
/// Which methods of an assembly call which: read from the compiled IL (so a call is found however the source
/// spells it: a method group, a lambda, an async state machine), each caller named as the source names it.
/// </summary>
public static partial class MethodCalls
{
    private static readonly Dictionary<short, OpCode> OpCodeByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every (caller, callee) pair in <paramref name="assembly"/>; callers as "Namespace.Type.Method".</summary>
    public static IEnumerable<(string Caller, MethodBase Callee)> In(Assembly assembly) =>
        from type in assembly.GetTypes()
        from method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything))
        from callee in Callees(method)
        select (SourceName(method), callee);

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            OpCode op;
            if (il[i] == 0xFE) { op = OpCodeByValue[unchecked((short)(0xFE00 | il[i + 1]))]; i += 2; }
            else { op = OpCodeByValue[il[i]]; i++; }
            if (op.OperandType == OperandType.InlineMethod)
            {
                var callee = Resolve(method.Module, BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                if (callee is not null) yield return callee;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    private static MethodBase? Resolve(Module module, int token, Type[]? typeArgs, Type[]? methodArgs)
    {
        try { return module.ResolveMethod(token, typeArgs, methodArgs); }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException) { return null; }
    }

    /// <summary>The method as written in the source: a lambda or async state machine is named after the method it is in.</summary>
    private static string SourceName(MethodBase method)
    {
        var type = method.DeclaringType!;
        var name = GeneratedFrom().Match(method.Name) is { Success: true } m ? m.Groups[1].Value : method.Name;
        while (type.Name.StartsWith('<') && type.DeclaringType is { } outer)
        {
            if (GeneratedFrom().Match(type.Name) is { Success: true } t && !method.Name.StartsWith('<')) name = t.Groups[1].Value;
            type = outer;
        }
        return $"{type.FullName}.{name}";
    }

    [GeneratedRegex("^<([^>]+)>")]
    private static partial Regex GeneratedFrom();
}
