-- Lua port of the fib benchmark: the same algorithm and checksum line.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
local total = 0
for _ = 1, 10 do total = total + fib(30) end
print(string.format("fib(30) x 10 = %d", total))
