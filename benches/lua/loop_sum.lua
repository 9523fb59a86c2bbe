-- Lua port of loop_sum: nested integer loops; every value stays below 2^53.
local floor = math.floor
local function main(outer, inner)
  local total, acc, i = 0, 1, 0
  while i < outer do
    acc = (acc + i) % 65521
    for j = 0, inner - 1 do
      acc = (acc * 17 + j * 3 + 11) % 65521
      if acc % 3 == 0 then
        total = total + floor(acc / 7)
      elseif acc % 5 == 1 then
        total = total - j
      else
        total = total + acc - floor(acc / 16) * 16 + 1
      end
    end
    total = total % 1000000007
    i = i + 1
  end
  print(string.format("loop_sum(%d, %d) = %d", outer, inner, total))
end
main(6000, 1000)
