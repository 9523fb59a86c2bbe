-- Lua port of mandelbrot: the same grid, iteration limit and checksum.
local function main(width, height, max_iter)
  local x_min, y_min = -2.0, -1.25
  local dx, dy = 2.5 / width, 2.5 / height
  local total, inside = 0, 0
  for py = 0, height - 1 do
    local ci = y_min + py * dy
    for px = 0, width - 1 do
      local cr = x_min + px * dx
      local zr, zi, zr2, zi2, it = 0.0, 0.0, 0.0, 0.0, 0
      while it < max_iter and zr2 + zi2 <= 4.0 do
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        zr2 = zr * zr
        zi2 = zi * zi
        it = it + 1
      end
      total = total + it
      if it == max_iter then inside = inside + 1 end
    end
  end
  print(string.format("mandelbrot(%dx%d, %d) = %d iterations, %d inside", width, height, max_iter, total, inside))
end
main(640, 480, 100)
