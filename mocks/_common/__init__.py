"""What every bundled mock shares: the loopback server runner, fault injection, contract checks."""
