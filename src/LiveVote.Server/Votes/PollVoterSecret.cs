using System.Buffers.Binary;

namespace LiveVote.Server.Votes;

/// <summary>
/// A poll's voter-key secret as stored with the poll row in every partition: wrapped (AES-GCM) under the fleet's
/// <c>LiveVote:VoterKeySecret</c>, never in clear (<see cref="VoterSecretWrapping"/>). Compared by its bytes, so a poll
/// read back from the store equals the one that wrote it. Never serialized into a DTO or an audit entry.
/// </summary>
public sealed class PollVoterSecret : IEquatable<PollVoterSecret>
{
    private readonly byte[] _wrapped;

    // The unwrapped secret, set on first use by the node's deriver: the vote path unwraps once per poll, not per vote.
    private byte[]? _unwrapped;

    public PollVoterSecret(byte[] wrapped) => _wrapped = wrapped;

    public ReadOnlySpan<byte> Wrapped => _wrapped;

    public byte[] ToArray() => [.. _wrapped];

    internal byte[]? Unwrapped
    {
        get => Volatile.Read(ref _unwrapped);
        set => Volatile.Write(ref _unwrapped, value);
    }

    public bool Equals(PollVoterSecret? other) => other is not null && _wrapped.AsSpan().SequenceEqual(other._wrapped);

    public override bool Equals(object? obj) => Equals(obj as PollVoterSecret);

    public override int GetHashCode() => _wrapped.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(_wrapped) : _wrapped.Length;

    // Debug output and logs must not carry key material, even wrapped.
    public override string ToString() => "PollVoterSecret(wrapped)";
}
