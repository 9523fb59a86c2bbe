# Float arithmetic in nested loops with an early exit.
def mandelbrot(size, limit):
    inside = 0
    for y in range(size):
        ci = 2.0 * y / size - 1.0
        for x in range(size):
            cr = 2.0 * x / size - 1.5
            zr = 0.0
            zi = 0.0
            i = 0
            while i < limit:
                tr = zr * zr - zi * zi + cr
                zi = 2.0 * zr * zi + ci
                zr = tr
                if zr * zr + zi * zi > 4.0:
                    break
                i += 1
            if i == limit:
                inside += 1
    return inside


print(mandelbrot(60, 50))
