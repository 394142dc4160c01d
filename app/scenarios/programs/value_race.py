import multiprocessing


def add_many(counter, times, use_lock, barrier):
    # Wait here until both processes have started, so that they add at the same time:
    # without it the first could be done before the second has even begun.
    barrier.wait()
    # `counter.value += 1` is a read, an add and a write: another process can write
    # in between, and then one of the two additions is lost.
    for _ in range(times):
        if use_lock:
            # Holding the Value's own lock makes read-add-write one step.
            with counter.get_lock():
                counter.value += 1
        else:
            counter.value += 1


if __name__ == "__main__":
    times = 10
    use_lock = False

    counter = multiprocessing.Value("i", 0)
    barrier = multiprocessing.Barrier(2)

    p1 = multiprocessing.Process(target=add_many, args=(counter, times, use_lock, barrier))
    p2 = multiprocessing.Process(target=add_many, args=(counter, times, use_lock, barrier))

    p1.start()
    p2.start()
    p1.join()
    p2.join()

    print("Expected {}, got {}".format(2 * times, counter.value))
