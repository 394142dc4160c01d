import multiprocessing
import time


def run_leg(start_line, name, warm_up_s):
    print(f"{name} warms up for {warm_up_s} s")
    time.sleep(warm_up_s)
    # Nobody passes the barrier until all of them have reached it.
    start_line.wait()
    print(f"{name} is off")


if __name__ == "__main__":
    runners = 3

    start_line = multiprocessing.Barrier(runners)
    legs = [
        multiprocessing.Process(target=run_leg, args=(start_line, f"runner {i}", i / 5))
        for i in range(1, runners + 1)
    ]
    for leg in legs:
        leg.start()
    for leg in legs:
        leg.join()
