set terminal pngcairo noenhanced size 900,1000 font 'Sans,10'
set output 'sweep.png'
reset
set multiplot layout 3,1 title "LeakyReLU slope sweep, mnist-digits, 147 epoch(s), 1 seed(s), SGD lr 0.01 momentum 0.9 batch 256; no run diverged"
set grid
set key outside top center horizontal
set xrange [-1.24:5.24]
set lmargin 12
set rmargin 3
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb '#999999' dt 3
set ylabel 'final train loss'
set logscale y
plot 'sweep.dat' using 1:2:3:4 with yerrorlines pt 7 lc rgb '#1f77b4' title 'mean over seeds, bars min..max', 1/0 with lines lc rgb '#999999' dt 3 title 'slope 1: linear network'
unset logscale y
unset key
set ylabel 'test loss'
plot 'sweep.dat' using 1:5:6:7 with yerrorlines pt 7 lc rgb '#d62728'
set ylabel 'test accuracy'
set xlabel 'LeakyReLU slope (act1 and act2)'
plot 'sweep.dat' using 1:8:9:10 with yerrorlines pt 7 lc rgb '#2ca02c'
unset multiplot
set output
set terminal svg noenhanced size 900,1000 dynamic font 'Sans,10'
set output 'sweep.svg'
reset
set multiplot layout 3,1 title "LeakyReLU slope sweep, mnist-digits, 147 epoch(s), 1 seed(s), SGD lr 0.01 momentum 0.9 batch 256; no run diverged"
set grid
set key outside top center horizontal
set xrange [-1.24:5.24]
set lmargin 12
set rmargin 3
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb '#999999' dt 3
set ylabel 'final train loss'
set logscale y
plot 'sweep.dat' using 1:2:3:4 with yerrorlines pt 7 lc rgb '#1f77b4' title 'mean over seeds, bars min..max', 1/0 with lines lc rgb '#999999' dt 3 title 'slope 1: linear network'
unset logscale y
unset key
set ylabel 'test loss'
plot 'sweep.dat' using 1:5:6:7 with yerrorlines pt 7 lc rgb '#d62728'
set ylabel 'test accuracy'
set xlabel 'LeakyReLU slope (act1 and act2)'
plot 'sweep.dat' using 1:8:9:10 with yerrorlines pt 7 lc rgb '#2ca02c'
unset multiplot
set output
