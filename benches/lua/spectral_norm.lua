-- Lua port of spectral_norm: the same power method on a 400x400 truncation.
local floor, sqrt = math.floor, math.sqrt
local function a_entry(i, j)
  local s = i + j
  return 1.0 / (floor(s * (s + 1) / 2) + i + 1)
end
local function mul_a(v, out, n)
  for i = 0, n - 1 do
    local acc = 0.0
    for j = 0, n - 1 do acc = acc + a_entry(i, j) * v[j] end
    out[i] = acc
  end
end
local function mul_at(v, out, n)
  for i = 0, n - 1 do
    local acc = 0.0
    for j = 0, n - 1 do acc = acc + a_entry(j, i) * v[j] end
    out[i] = acc
  end
end
local function mul_ata(v, out, tmp, n)
  mul_a(v, tmp, n)
  mul_at(tmp, out, n)
end
local function main(n, rounds)
  local u, v, tmp = {}, {}, {}
  for i = 0, n - 1 do u[i], v[i], tmp[i] = 1.0, 0.0, 0.0 end
  for _ = 1, rounds do
    mul_ata(u, v, tmp, n)
    mul_ata(v, u, tmp, n)
  end
  local vbv, vv = 0.0, 0.0
  for i = 0, n - 1 do
    vbv = vbv + u[i] * v[i]
    vv = vv + v[i] * v[i]
  end
  print(string.format("spectral_norm(%d) = %.9f", n, sqrt(vbv / vv)))
end
main(400, 10)
