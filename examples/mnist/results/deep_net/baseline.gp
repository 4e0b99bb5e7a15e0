set terminal pngcairo noenhanced size 900,750 font 'Sans,10'
set output 'baseline.png'
reset
set multiplot layout 2,1 title "deep_prelu.pbtxt 784-1024-512-64-10, mnist-digits, SGD lr 0.01 momentum 0.9 batch 256, 3 seed(s)"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set ylabel 'test accuracy'
set style fill transparent solid 0.2 noborder
plot 'baseline.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#2ca02c' title 'mean +- std over seeds', \
     'baseline.dat' index 0 using 1:2 with lines lw 2 lc rgb '#2ca02c' notitle, \
     for [i=1:3] 'baseline.dat' index i using 1:2 with lines lw 0.5 lc rgb '#2ca02c' notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot 'baseline.dat' index 0 using 1:6 with lines lw 2 lc rgb '#1f77b4' title 'train loss (mean)', \
     'baseline.dat' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' title 'test loss (mean)'
unset multiplot
set output
set terminal svg noenhanced size 900,750 dynamic font 'Sans,10'
set output 'baseline.svg'
reset
set multiplot layout 2,1 title "deep_prelu.pbtxt 784-1024-512-64-10, mnist-digits, SGD lr 0.01 momentum 0.9 batch 256, 3 seed(s)"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set ylabel 'test accuracy'
set style fill transparent solid 0.2 noborder
plot 'baseline.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#2ca02c' title 'mean +- std over seeds', \
     'baseline.dat' index 0 using 1:2 with lines lw 2 lc rgb '#2ca02c' notitle, \
     for [i=1:3] 'baseline.dat' index i using 1:2 with lines lw 0.5 lc rgb '#2ca02c' notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot 'baseline.dat' index 0 using 1:6 with lines lw 2 lc rgb '#1f77b4' title 'train loss (mean)', \
     'baseline.dat' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' title 'test loss (mean)'
unset multiplot
set output
