# A tight integer loop in one function (on-stack replacement in the JIT).
def loop_sum(n):
    total = 0
    for i in range(n):
        total += i * i % 7 - (i & 3)
    return total


print(loop_sum(300000))
